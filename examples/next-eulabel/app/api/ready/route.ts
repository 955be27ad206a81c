import { eulabelReceiver } from "@/lib/webhooks";

// Readiness for a Kubernetes probe: 200 when the receiver's store (and queue) answer, else 503 with why.
export const dynamic = "force-dynamic";

let receiver: ReturnType<typeof eulabelReceiver> | undefined;

export async function GET(): Promise<Response> {
  receiver ??= eulabelReceiver();
  const health = await receiver.health({ timeoutMs: 1_000 });
  return Response.json(health, { status: health.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
