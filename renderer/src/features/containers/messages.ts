import { defineMessages } from '../../i18n/define';

// Keys start with 'containers.'; every English string needs its Simplified Chinese twin.
export default defineMessages({
  en: {
    'containers.title': 'Containers',
  },
  zh: {
    'containers.title': '容器',
  },
});
