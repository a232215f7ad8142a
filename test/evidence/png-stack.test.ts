/** Stacking the caption strip above the picture without decoding: every PNG filter on the seam. */
import { describe, expect, it } from 'vitest';
import { PngStackError, stackPngs } from '../../src/evidence/png-stack.ts';
import { decodePng, pngFile, solidPng } from '../helpers/png.ts';

/** An RGBA PNG whose rows are filtered with the given filter types (in turn), as an encoder may. */
function filteredPng(width: number, height: number, pixelAt: (x: number, y: number) => number[], filters: number[]): Buffer {
  const bpp = 4;
  const stride = width * bpp;
  const raw: Buffer[] = [];
  for (let y = 0; y < height; y++) raw.push(Buffer.from(Array.from({ length: width }, (_, x) => pixelAt(x, y)).flat()));
  const out: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    const row = raw[y]!;
    const up = y > 0 ? raw[y - 1]! : Buffer.alloc(stride);
    const line = Buffer.alloc(stride + 1);
    line[0] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp]! : 0;
      const b = up[i]!;
      const c = i >= bpp ? up[i - bpp]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f]!;
      line[i + 1] = (row[i]! - pred) & 0xff;
    }
    out.push(line);
  }
  return pngFile(width, height, 6, Buffer.concat(out));
}

const gradient = (x: number, y: number) => [(x * 37 + y * 11) & 0xff, (x * 5 + 90) & 0xff, (y * 23 + x) & 0xff, 255];
const stripe = (x: number, y: number) => [200, (x * 3) & 0xff, y * 40, 255];

describe('stackPngs', () => {
  for (const [name, filter] of [['None', 0], ['Sub', 1], ['Up', 2], ['Average', 3], ['Paeth', 4]] as const) {
    it(`keeps every pixel when the lower picture's first row uses the ${name} filter`, async () => {
      const top = filteredPng(9, 3, stripe, [4, 2, 1]);
      const bottom = filteredPng(9, 5, gradient, [filter, 3, 4, 2, 1]);
      const png = decodePng(await stackPngs(top, bottom, { Title: 'Hemtjänst — fångad' }));
      expect([png.width, png.height]).toEqual([9, 8]);
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 9; x++) {
          const want = y < 3 ? stripe(x, y) : gradient(x, y - 3);
          expect([...png.rgba.subarray((y * 9 + x) * 4, (y * 9 + x) * 4 + 4)], `pixel ${x},${y}`).toEqual(want);
        }
      }
      expect(png.text.Title).toBe('Hemtjänst — fångad');
    });
  }

  it('refuses pictures it cannot join, so that the caller composes them another way', async () => {
    await expect(stackPngs(filteredPng(9, 2, stripe, [0]), filteredPng(10, 2, stripe, [0]))).rejects.toBeInstanceOf(PngStackError);
    await expect(stackPngs(Buffer.from('not a png'), solidPng(4, 4, [0, 0, 0]))).rejects.toBeInstanceOf(PngStackError);
  });
});
