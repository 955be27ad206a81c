import { type Provider, providers } from "@webhook-kit/core";

/** CLI names of the presets, as `--provider` takes them (the providers' own `name`s). */
const factories: Readonly<Record<string, (secret: string) => Provider>> = {
  eulabel: (secret) => providers.eulabel({ secret }),
  "eulabel-inbound": (secret) => providers.eulabelInbound({ secret }),
  eudr: (secret) => providers.eudr({ secret }),
  generic: (secret) => providers.generic({ secret }),
  shipping: (secret) => providers.shipping({ secret }),
  "standard-webhooks": (secret) => providers.standardWebhooks({ secret }),
  svix: (secret) => providers.standardWebhooks({ secret, headers: "svix" }),
  github: (secret) => providers.github({ secret }),
  stripe: (secret) => providers.stripe({ secret }),
};

export const providerNames = Object.keys(factories);

export function makeProvider(name: string, secret: string): Provider | undefined {
  return Object.hasOwn(factories, name) ? factories[name]!(secret) : undefined;
}
