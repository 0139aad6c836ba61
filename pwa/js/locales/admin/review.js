// The texts of the admin console's review pages (docs/admin.md), in the three languages. Keys are
// the same in every language (tests/pwa/i18n.test.mjs checks); i18n.js merges them in.

export default {
  en: {},
  'zh-Hans': {},
  'zh-Hant': {},
};
