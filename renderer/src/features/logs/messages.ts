import { defineMessages } from '../../i18n/define';

// Keys start with 'logs.'; every English string needs its Simplified Chinese twin.
export default defineMessages({
  en: {
    'logs.title': 'Logs',
  },
  zh: {
    'logs.title': '日志',
  },
});
