import { describe, expect, it } from 'vitest';
import { inTurn } from './trial-worker.js';

describe('a trial worker', () => {
  it('answers trials handed over together one by one: each runs on a turn of its own, after the one before was answered', async () => {
    const log: string[] = [];
    const loaded = Promise.resolve();
    // As piscina's worker takes tasks that arrived together: all read at once, each answered when its handler settles.
    const handler = async (name: string): Promise<string> => {
      await loaded;
      return inTurn(() => {
        log.push(`run ${name}`);
        return name;
      });
    };
    await Promise.all(['a', 'b', 'c'].map((name) => handler(name).then((answer) => log.push(`answer ${answer}`))));
    expect(log).toEqual(['run a', 'answer a', 'run b', 'answer b', 'run c', 'answer c']);
  });
});
