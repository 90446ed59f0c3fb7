// Native notifications for long image tasks, in the app's language (the backend has no i18n tables;
// these few lines are the only strings it shows).
import type { BackendContext, Notice } from '../context.js';

type Key = 'pullDone' | 'pullFailed' | 'pushDone' | 'pushFailed' | 'pruneDone';

const TEXT: Record<'en' | 'zh', Record<Key, [string, string]>> = {
  en: {
    pullDone: ['Pull complete', '{ref} is ready.'],
    pullFailed: ['Pull failed', '{ref}: {error}'],
    pushDone: ['Push complete', '{ref} was pushed.'],
    pushFailed: ['Push failed', '{ref}: {error}'],
    pruneDone: ['Images pruned', '{count} images removed, {size} returned.'],
  },
  zh: {
    pullDone: ['拉取完成', '{ref} 已就绪。'],
    pullFailed: ['拉取失败', '{ref}：{error}'],
    pushDone: ['推送完成', '{ref} 已推送。'],
    pushFailed: ['推送失败', '{ref}：{error}'],
    pruneDone: ['镜像已清理', '已删除 {count} 个镜像，释放 {size}。'],
  },
};

function language(ctx: BackendContext): 'en' | 'zh' {
  const setting = ctx.settings.get().language;
  if (setting === 'zh-CN') return 'zh';
  if (setting === 'en') return 'en';
  const env = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
  return env.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function notice(ctx: BackendContext, key: Key, vars: Record<string, string | number>): Notice {
  const [title, body] = TEXT[language(ctx)][key];
  return {
    title,
    body: body.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)),
  };
}

export function notify(ctx: BackendContext, key: Key, vars: Record<string, string | number>): void {
  try {
    ctx.notify(notice(ctx, key, vars));
  } catch {
    // A notification that cannot be shown is not worth failing the task for.
  }
}
