// An independent check of anwesend's webhook signatures (TOM TRANS-2): the Standard
// Webhooks reference library (npm `standardwebhooks`) verifies what a receiver got.
// Reads {"secret", "headers": {"webhook-id", "webhook-timestamp", "webhook-signature"},
// "body"} as JSON on stdin; prints `verified` (exit 0) or the library's error (exit 1).
// Used by backend/tests/it/webhooks.rs; not a browser test.
import { Webhook } from 'standardwebhooks';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { secret, headers, body } = JSON.parse(input);
try {
  new Webhook(secret).verify(body, headers);
  console.log('verified');
} catch (e) {
  console.log(`refused: ${e.message}`);
  process.exit(1);
}
