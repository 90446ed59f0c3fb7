import { defineMessages } from '../../i18n/define';

// Keys start with 'volumes.'; every English string needs its Simplified Chinese twin.
export default defineMessages({
  en: {
    'volumes.title': 'Volumes',
  },
  zh: {
    'volumes.title': '数据卷',
  },
});
