import { defineMessages } from '../../i18n/define';

// Keys start with 'disk.'; every English string needs its Simplified Chinese twin.
export default defineMessages({
  en: {
    'disk.title': 'Disk',
  },
  zh: {
    'disk.title': '磁盘占用',
  },
});
