import { BatchLoader } from './BatchLoader';

describe('BatchLoader', () => {
  it('loads the first key at once and the keys asked for meanwhile together, each caller its own value', async () => {
    const loads: string[][] = [];
    let finish: () => void = () => {};
    const loader = new BatchLoader<string, string>(async keys => {
      loads.push(keys);
      if (loads.length === 1) await new Promise<void>(r => (finish = r));
      return new Map(keys.map(k => [k, k.toUpperCase()]));
    }, 2);
    const first = loader.load('a');
    const rest = ['b', 'c', 'b', 'd'].map(k => loader.load(k));
    finish();
    expect(await Promise.all([first, ...rest])).toEqual([
      'A',
      'B',
      'C',
      'B',
      'D',
    ]);
    expect(loads).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('fails the callers of a failed load only, and goes on with the next', async () => {
    const loader = new BatchLoader<string, number>(async keys => {
      if (keys.includes('bad')) throw new Error('catalog down');
      return new Map(keys.map(k => [k, k.length]));
    });
    const bad = loader.load('bad');
    const good = loader.load('good');
    await expect(bad).rejects.toThrow('catalog down');
    expect(await good).toBe(4);
  });
});
