import http from 'node:http';

const guarded = new WeakSet<object>();

class StaleSocket extends Error {}

/** One request exactly as the fuzzer built it: the client adds nothing but Host and Content-Length. */
export interface RawRequest {
  readonly method: string;
  /** Path and query string, already encoded (or deliberately mis-encoded). */
  readonly path: string;
  /** A repeated header is sent as several header lines. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: Buffer;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The parsed body, or `undefined` when it is not JSON. */
  readonly json: unknown;
}

/**
 * A keep-alive HTTP client that sends bytes as given: fetch() would normalise the path, refuse some headers and
 * re-encode bodies, and the fuzzer wants none of that.
 */
export class RawClient {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly base: URL) {}

  /**
   * Sends one request. A kept-alive socket the server closed meanwhile (it closes after answers such as a 413 to
   * an unread body) fails on reuse; Node's documented remedy is to retry on a fresh one, which is done once.
   */
  async send(request: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
    try {
      return await this.#send(request, timeoutMs);
    } catch (error) {
      if (!(error instanceof StaleSocket)) throw error;
      return this.#send(request, timeoutMs);
    }
  }

  #send(request: RawRequest, timeoutMs: number): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { ...request.headers } as http.OutgoingHttpHeaders;
      if (request.body) headers['content-length'] = request.body.length;
      const req = http.request(
        { agent: this.#agent, host: this.base.hostname, port: this.base.port, method: request.method, path: request.path, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // EPIPE: the server refused an oversized body early (413, then close) while it was still being written, and
        // the write failed before the answer was read. That is the same early close, so it is retried once too.
        const stale = (req.reusedSocket && error.code === 'ECONNRESET') || error.code === 'EPIPE';
        reject(stale ? new StaleSocket(error.message) : error);
      });
      // A server that answers early (413) and closes while the body is still being written resets the socket
      // after the answer is in; that is expected, and the request's own error handler reports anything earlier.
      req.on('socket', (socket) => {
        if (guarded.has(socket)) return;
        guarded.add(socket);
        socket.on('error', () => {});
      });
      req.end(request.body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** A short, printable account of a request for failure messages (bodies can be a megabyte). */
export function describe(request: RawRequest): string {
  const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text);
  const body = request.body ? ` body=${JSON.stringify(clip(request.body.toString('utf8')))}` : '';
  return `${request.method} ${clip(request.path)} headers=${JSON.stringify(request.headers)}${body}`;
}
