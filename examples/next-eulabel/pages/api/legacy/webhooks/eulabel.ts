import { webhookApiRoute } from "@webhook-kit/next";
import { eulabelReceiver } from "@/lib/webhooks";

// Pages Router: Next's body parser must be off, so the exact bytes reach the signature check.
export const config = { api: { bodyParser: false } };
export default webhookApiRoute(eulabelReceiver);
