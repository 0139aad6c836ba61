// Scanning with the camera: the browser's BarcodeDetector where it has one, else the
// `barcode-detector` polyfill (zxing-wasm), whose .wasm comes from our own origin and is in the
// service worker's precache — the CDN it would fetch by default is not there offline.
// Also the beep and buzz that tell a worker a read happened without looking at the screen.

const WASM_DIR = '/vendor/zxing-wasm/';
const FRAME_MS = 150;

let detecting = null;

/** A BarcodeDetector for QR codes (and product barcodes). */
export function qrDetector() {
  detecting ??= (async () => {
    const formats = ['qr_code', 'ean_13', 'ean_8', 'code_128', 'code_39', 'upc_a'];
    if ('BarcodeDetector' in globalThis) {
      const supported = await globalThis.BarcodeDetector.getSupportedFormats();
      if (supported.includes('qr_code')) {
        return new globalThis.BarcodeDetector({ formats: formats.filter((f) => supported.includes(f)) });
      }
    }
    const { BarcodeDetector, prepareZXingModule } = await import('barcode-detector/ponyfill');
    prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? WASM_DIR + path : prefix + path) },
    });
    return new BarcodeDetector({ formats });
  })();
  return detecting;
}

/**
 * Shows the back camera in `video` and calls `onCode(text)` for every code it reads (several
 * times per second while a code is in view: the caller debounces). Answers `stop()`.
 */
export async function startCamera(video, onCode, onError = () => {}) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } },
    audio: false,
  });
  video.srcObject = stream;
  video.setAttribute('playsinline', '');
  video.muted = true;
  await video.play();
  const detector = await qrDetector();
  let running = true;
  let timer = null;
  const tick = async () => {
    if (!running) return;
    try {
      if (video.readyState >= 2) {
        for (const code of await detector.detect(video)) {
          if (running && code.rawValue) onCode(code.rawValue);
        }
      }
    } catch (e) {
      onError(e);
    }
    if (running) timer = setTimeout(tick, FRAME_MS);
  };
  tick();
  return () => {
    running = false;
    clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
}

let audio = null;

/** A short beep (higher for good, lower for bad) and a buzz where the device can. */
export function signal(good = true) {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = good ? 1760 : 440;
    gain.gain.value = 0.1;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (good ? 0.08 : 0.25));
  } catch {
    // No audio (autoplay rules before the first tap): the screen still says it.
  }
  navigator.vibrate?.(good ? 60 : [60, 60, 60]);
}
