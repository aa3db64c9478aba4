/**
 * Webhook signing: an HMAC of the exact body bytes, keyed with the secret's UTF-8 bytes, lowercase hex. GitHub sends
 * it as `X-Hub-Signature-256: sha256=<hex>` (plus the legacy `X-Hub-Signature: sha1=<hex>`); Gitea as
 * `X-Gitea-Signature: <hex>` with the same GitHub-style copies; GitLab signs nothing and sends the secret itself.
 */
import { createHmac } from 'node:crypto';

/** Hex HMAC of `body` keyed with `secret`. */
export function hmacHex(algorithm: 'sha256' | 'sha1', secret: string, body: string | Buffer): string {
  return createHmac(algorithm, secret).update(body).digest('hex');
}
