import { defineMessages } from '../../i18n/define';

// Keys start with 'settings.'; every English string needs its Simplified Chinese twin.
export default defineMessages({
  en: {
    'settings.title': 'Settings',
  },
  zh: {
    'settings.title': '设置',
  },
});
