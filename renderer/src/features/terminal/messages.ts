import { defineMessages } from '../../i18n/define';

// Keys start with 'terminal.'; every English string needs its Simplified Chinese twin.
export default defineMessages({
  en: {
    'terminal.title': 'Terminal',
  },
  zh: {
    'terminal.title': '终端',
  },
});
