// The camera: frames into a canvas, read by jsQR (Chromium on Linux has no
// BarcodeDetector). Stops itself when a code is read or when asked.
import jsQR from 'jsqr';

export interface Scanner {
  stop(): void;
}

/** Calls `found` with the first voucher code read, then stops; `other` with
 * any other code held up (a boarding pass, a web link), once each, and
 * goes on looking. */
export async function scan(
  video: HTMLVideoElement,
  found: (text: string) => void,
  other: (text: string) => void,
): Promise<Scanner> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: 'environment' },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let stopped = false;
  let lastOther = '';
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const tick = () => {
    if (stopped) return;
    if (ctx && video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const frame = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const code = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' });
      if (code?.data.startsWith('GC1:')) {
        stop();
        found(code.data);
        return;
      }
      if (code?.data && code.data !== lastOther) {
        lastOther = code.data;
        other(code.data);
      }
    }
    setTimeout(tick, 150);
  };
  tick();
  return { stop };
}
