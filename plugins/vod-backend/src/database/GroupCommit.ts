import type { LoggerService } from '@backstage/backend-plugin-api';

/**
 * Group commit: writes that arrive together (in the same turn of the event loop) go to the
 * database as one batch, at most `maxBatch` at a time, each caller still getting its own outcome.
 * A batch that fails is logged and written again one by one, so one bad write fails alone.
 */
export class GroupCommit<In, Out> {
  private readonly queue: Array<{
    input: In;
    resolve: (result: Out) => void;
    reject: (error: unknown) => void;
  }> = [];
  private flushing = false;

  constructor(
    private readonly options: {
      /** Writes the inputs in one transaction; the results in the inputs' order. */
      writeBatch: (inputs: In[]) => Promise<Out[]>;
      writeOne: (input: In) => Promise<Out>;
      /** Told of a batch's results once its callers have theirs (so they never wait for it). */
      written?: (results: Out[]) => void;
      maxBatch: number;
      logger?: LoggerService;
    },
  ) {}

  write(input: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const { writeBatch, writeOne, written, maxBatch, logger } = this.options;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, maxBatch);
      let results: Out[];
      try {
        results = await writeBatch(batch.map(b => b.input));
      } catch (error) {
        logger?.warn(
          `A batch of ${batch.length} writes failed and is written one by one: ${error}`,
        );
        await Promise.all(
          batch.map(b => writeOne(b.input).then(b.resolve, b.reject)),
        );
        continue;
      }
      batch.forEach((b, i) => b.resolve(results[i]));
      try {
        written?.(results);
      } catch (error) {
        logger?.warn(`Telling of a written batch failed: ${error}`);
      }
    }
    this.flushing = false;
  }
}
