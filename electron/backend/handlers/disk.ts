// Disk usage: the summary behind the treemap and bars, the reclaim preview and the reclaim.
import { diskMethods, diskTopics } from '../../contract/disk.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';
import { systemDf } from '../volumes/df.js';
import { reclaimPlan, summarize } from '../volumes/disk-usage.js';
import { reclaim } from '../volumes/reclaim.js';
import { formatBytes } from '../format.js';

export const diskMethodHandlers: MethodHandlers<typeof diskMethods> = {
  async 'disk.summary'(_args, ctx) {
    return summarize(await systemDf(await ctx.docker()));
  },

  async 'disk.reclaimPreview'(args, ctx) {
    return reclaimPlan(await systemDf(await ctx.docker()), args);
  },

  async 'disk.reclaim'(args, ctx) {
    const result = await reclaim(await ctx.docker(), args);
    const count = Object.values(result.removed).reduce((n, l) => n + l.length, 0);
    if (count > 0) {
      ctx.notify({
        title: 'Disk space reclaimed',
        body: `${count} items removed, ${formatBytes(result.spaceReclaimed)} freed`,
      });
    }
    return result;
  },
};

export const diskTopicHandlers: TopicHandlers<typeof diskTopics> = {};
