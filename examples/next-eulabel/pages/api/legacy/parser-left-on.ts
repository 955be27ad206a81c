import { webhookApiRoute } from "@webhook-kit/next";
import { eulabelReceiver } from "@/lib/webhooks";

// Deliberately misconfigured (no `config` export, so Next's body parser runs first): every delivery is
// answered at once with 500 body_already_consumed and a message that says how to fix it.
export default webhookApiRoute(eulabelReceiver);
