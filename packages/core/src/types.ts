/** The neutral request every adapter builds: framework-free, so core decides everything once. */
export interface WebhookRequest {
  method: string;
  path?: string;
  /** Route parameters a framework matched (`/webhooks/:tenant` → `{ tenant }`): the `tenant` option reads them. */
  params?: Readonly<Record<string, string>>;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Readonly<Record<string, string>>;
  /** The exact bytes received: the only thing a signature is ever computed over. */
  rawBody: Uint8Array;
  remoteAddress?: string;
  /** ms since epoch; injectable clock for tests (defaults to the receiver's `now()`). */
  receivedAt?: number;
}

/** What `receiver.handle()` answers; adapters copy it onto their framework's response. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The request before its body was read: enough for the checks that must not wait for the body. */
export type WebhookRequestHead = Omit<WebhookRequest, "rawBody"> & {
  /**
   * Where `remoteAddress` came from, for the log line of a refusal: "socket", or e.g. "Express's trust proxy
   * setting (X-Forwarded-For)" — a header-derived address is only as true as the proxy that wrote it.
   */
  remoteAddressFrom?: string;
};

/** pino-compatible: `logger.info(obj, msg)`. console works too. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
