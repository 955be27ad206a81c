import { createApp } from "./app.mjs";

const secret = process.env.EULABEL_SECRET;
const databaseUrl = process.env.DATABASE_URL;
if (!secret || !databaseUrl) {
  console.error("Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) and EULABEL_SECRET.");
  process.exit(2);
}
const port = Number(process.env.PORT ?? 3000);
const { server, close } = await createApp({ databaseUrl, secret });
server.listen(port, () => console.log(`EUlabel webhooks: POST http://localhost:${port}/webhooks/eulabel`));
process.on("SIGTERM", () => close().then(() => process.exit(0)));
