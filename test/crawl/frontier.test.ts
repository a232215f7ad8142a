/** The best-first frontier and the trap guard: what a site controls must not eat the page budget. */
import { describe, expect, it } from 'vitest';
import { Frontier, linkRelevance, scoreFrom, TrapGuard } from '../../src/crawl/frontier.ts';

const scoreLink = (text: string, url: string, depth: number) => scoreFrom(linkRelevance(text, url), url, depth);

describe('scoreLink', () => {
  it('puts the elderly-care pages before the rest', () => {
    const hemtjanst = scoreLink('Hemtjänst', 'https://x.se/omsorg/hemtjanst/', 2);
    const aldre = scoreLink('Äldreomsorg', 'https://x.se/omsorg/aldreomsorg/', 1);
    const bygglov = scoreLink('Bygglov', 'https://x.se/bygga/bygglov/', 1);
    expect(hemtjanst).toBeGreaterThan(aldre);
    expect(aldre).toBeGreaterThan(bygglov);
  });
});

describe('Frontier', () => {
  it('pops the best first, equal scores in the order they came, and never queues a URL twice', () => {
    const f = new Frontier();
    const item = (url: string, score: number) => ({ url, score, depth: 1, path: [], via: 'link' as const, text: '' });
    f.push(item('a', 1));
    f.push(item('b', 5));
    f.push(item('c', 5));
    expect(f.push(item('a', 9))).toBe(false);
    expect([f.pop()?.url, f.pop()?.url, f.pop()?.url, f.pop()]).toEqual(['b', 'c', 'a', undefined]);
  });
});

describe('TrapGuard', () => {
  it('lets every page of a WordPress site through (?page_id=N is a page, not a variant)', () => {
    const g = new TrapGuard();
    for (let i = 1; i <= 200; i++) expect(g.check(`http://127.0.0.1:8080/?page_id=${i}`, 2), `page_id=${i}`).toBeNull();
  });

  it('stops an endless calendar after a few months', () => {
    const g = new TrapGuard();
    const verdicts = Array.from({ length: 30 }, (_, i) => g.check(`https://x.se/kalender?ar=${2026 + Math.floor(i / 12)}&manad=${(i % 12) + 1}`, 3));
    expect(verdicts.slice(0, 6).every((v) => v === null)).toBe(true);
    expect(verdicts.slice(6).every((v) => v !== null)).toBe(true);
  });

  it('refuses filter links whose query grows without end, repeated path segments and absurd URLs', () => {
    const g = new TrapGuard();
    expect(g.check('https://x.se/arkiv.php?kategori=omsorg&kategori=trafik', 2)).toMatch(/upprepas/);
    expect(g.check('https://x.se/a/b/a/b/a/b/sida', 2)).toMatch(/upprepat mönster/);
    expect(g.check(`https://x.se/?q=${'x'.repeat(3000)}`, 2)).toMatch(/lång/);
    expect(g.check('https://x.se/sida', 20)).toMatch(/djupt/);
  });

  it('caps the variants of one listing with changing filters', () => {
    const g = new TrapGuard({ maxPerShape: 10 });
    const verdicts = Array.from({ length: 15 }, (_, i) => g.check(`https://x.se/sok?typ=${i}&sort=namn`, 2));
    expect(verdicts.filter((v) => v === null)).toHaveLength(10);
  });
});
