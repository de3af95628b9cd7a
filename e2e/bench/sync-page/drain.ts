/** A plain download: fetch each URL in turn, read the whole body, keep nothing (the baseline an install is compared with). */
export async function drainAll(urls: string[], headers: Record<string, string>): Promise<{ bytes: number; ms: number }> {
  const started = performance.now();
  let bytes = 0;
  for (const url of urls) {
    // no-store as the sync client's downloader uses: the blobs are immutable and would otherwise come from the HTTP cache.
    const res = await fetch(url, { headers, cache: 'no-store' });
    if (res.status !== 200 || !res.body) throw new Error(`plain fetch of ${url} answered HTTP ${res.status}: ${await res.text()}`);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
  }
  return { bytes, ms: performance.now() - started };
}
