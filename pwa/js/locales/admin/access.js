// The texts of the admin console's access pages — revoking a device, a lost device, API tokens
// (docs/admin.md, docs/auth.md) — in the three languages. Keys are the same in every language
// (tests/pwa/i18n.test.mjs checks); i18n.js merges them in.

export default {
  en: {
    'admin.devices.lost': 'Lost or stolen',
    'admin.devices.lostConfirm': 'Device {code} is lost: revoke it and its passkeys',
    'admin.devices.choices': 'Two ways to take a device away:',
    'admin.devices.revokeHelp': 'Revoke: the device is signed out and stops syncing at once. Its owner can sign in on it again with their passkey (it then counts as a new device) and nothing waiting on it is lost. For a device handed back or replaced.',
    'admin.devices.lostHelp': 'Lost or stolen: the device is revoked and so are the passkeys made or used on it, so nobody holding it can sign in again. Work it had not sent yet is lost. Its owner needs a new enrollment link (Users) for their next device.',
  },
  'zh-Hans': {
    'admin.devices.lost': '遗失或被盗',
    'admin.devices.lostConfirm': '设备 {code} 已遗失：吊销它及其通行密钥',
    'admin.devices.choices': '收回设备有两种方式：',
    'admin.devices.revokeHelp': '吊销：设备立即退出登录并停止同步。设备主人仍可用自己的通行密钥在该设备上重新登录（算作一台新设备），设备上待发送的内容不会丢失。适用于已交还或更换的设备。',
    'admin.devices.lostHelp': '遗失或被盗：吊销设备，并吊销在该设备上创建或使用过的通行密钥，持有该设备的人再也无法登录。设备上尚未发送的内容将丢失。设备主人需要新的注册链接（用户页面）来登记下一台设备。',
  },
  'zh-Hant': {
    'admin.devices.lost': '遺失或被竊',
    'admin.devices.lostConfirm': '裝置 {code} 已遺失：撤銷它及其通行金鑰',
    'admin.devices.choices': '收回裝置有兩種方式：',
    'admin.devices.revokeHelp': '撤銷：裝置立即登出並停止同步。裝置主人仍可用自己的通行金鑰在該裝置上重新登入（算作一台新裝置），裝置上待傳送的內容不會遺失。適用於已交還或更換的裝置。',
    'admin.devices.lostHelp': '遺失或被竊：撤銷裝置，並撤銷在該裝置上建立或使用過的通行金鑰，持有該裝置的人再也無法登入。裝置上尚未傳送的內容將遺失。裝置主人需要新的註冊連結（使用者頁面）來登記下一台裝置。',
  },
};
