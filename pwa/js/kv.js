// A small key-value store on IndexedDB, for what this device keeps about itself (its signing
// key pair — CryptoKeys are stored as they are, the private key never extractable — and the
// device id and code the server gave it).

const DB_NAME = 'orderly-device';
const STORE = 'kv';

let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

async function run(mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = action(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** The value stored under key, or undefined. */
export function get(key) {
  return run('readonly', (store) => store.get(key));
}

/** Stores value under key. */
export async function put(key, value) {
  await run('readwrite', (store) => store.put(value, key));
}
