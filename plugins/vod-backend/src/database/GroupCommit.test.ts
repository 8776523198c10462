import { mockServices } from '@backstage/backend-test-utils';
import { GroupCommit } from './GroupCommit';

describe('GroupCommit', () => {
  it('writes what arrives together as batches of at most maxBatch, each caller getting its own result', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, string>({
      writeBatch: async inputs => {
        batches.push(inputs);
        return inputs.map(i => `written ${i}`);
      },
      writeOne: async () => {
        throw new Error('not expected');
      },
      maxBatch: 2,
    });
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(i => commit.write(i)),
    );
    expect(results).toEqual([1, 2, 3, 4, 5].map(i => `written ${i}`));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    // Later writes start a new batch.
    await expect(commit.write(6)).resolves.toBe('written 6');
    expect(batches[3]).toEqual([6]);
  });

  it('tells of a batch after its callers have their results, so they never wait for what it sets off', async () => {
    const order: string[] = [];
    const commit = new GroupCommit<number, number>({
      writeBatch: async inputs => inputs,
      writeOne: async i => i,
      // What a listener sets off (a signal, say) runs after the callers' continuations.
      written: results => {
        Promise.resolve().then(() => order.push(`told of ${results.join()}`));
      },
      maxBatch: 10,
    });
    await Promise.all(
      [1, 2].map(i => commit.write(i).then(r => order.push(`caller ${r}`))),
    );
    await new Promise(resolve => setImmediate(resolve));
    expect(order).toEqual(['caller 1', 'caller 2', 'told of 1,2']);
  });

  it('logs a failed batch and writes it one by one, so one bad write fails alone', async () => {
    const logger = mockServices.logger.mock();
    const commit = new GroupCommit<number, string>({
      writeBatch: async () => {
        throw new Error('deadlock');
      },
      writeOne: async i => {
        if (i === 2) throw new Error('bad write 2');
        return `alone ${i}`;
      },
      maxBatch: 10,
      logger,
    });
    const results = await Promise.allSettled(
      [1, 2, 3].map(i => commit.write(i)),
    );
    expect(results).toEqual([
      { status: 'fulfilled', value: 'alone 1' },
      { status: 'rejected', reason: new Error('bad write 2') },
      { status: 'fulfilled', value: 'alone 3' },
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      'A batch of 3 writes failed and is written one by one: Error: deadlock',
    );
  });

  it('goes on writing when telling of a batch fails', async () => {
    const logger = mockServices.logger.mock();
    const commit = new GroupCommit<number, number>({
      writeBatch: async inputs => inputs,
      writeOne: async i => i,
      written: () => {
        throw new Error('listener broke');
      },
      maxBatch: 10,
      logger,
    });
    await expect(commit.write(1)).resolves.toBe(1);
    await expect(commit.write(2)).resolves.toBe(2);
    expect(logger.warn).toHaveBeenCalledWith(
      'Telling of a written batch failed: Error: listener broke',
    );
  });
});
