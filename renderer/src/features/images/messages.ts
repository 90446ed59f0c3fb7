import { defineMessages } from '../../i18n/define';

// Keys start with 'images.'; every English string needs its Simplified Chinese twin.
export default defineMessages({
  en: {
    'images.title': 'Images',
  },
  zh: {
    'images.title': '镜像',
  },
});
