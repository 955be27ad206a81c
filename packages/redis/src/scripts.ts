/**
 * The four store operations as Lua scripts, so each is one atomic round trip on the key's slot.
 *
 * One string value per delivery key: `p:<token>` while a claim is in progress (PX = lease),
 * `c:<token>` once completed (PX = retention). Only the owner token can turn `p:` into anything else.
 */

/** KEYS[1] key; ARGV[1] new token, ARGV[2] lease ms. → {1, token} | {2, pttl} | {3} */
export const CLAIM = `
local value = redis.call('GET', KEYS[1])
if not value then
  redis.call('SET', KEYS[1], 'p:' .. ARGV[1], 'PX', ARGV[2])
  return {1, ARGV[1]}
end
if string.sub(value, 1, 2) == 'c:' then
  return {3}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {2, ttl}
`;

/** KEYS[1] key; ARGV[1] token, ARGV[2] retention ms. → 1 when the token owned the live claim, else 0 */
export const COMPLETE = `
if redis.call('GET', KEYS[1]) == 'p:' .. ARGV[1] then
  redis.call('SET', KEYS[1], 'c:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

/** KEYS[1] key; ARGV[1] token. → 1 when the token owned the live claim (now forgotten), else 0 */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == 'p:' .. ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/** KEYS[1] key; ARGV[1] token, ARGV[2] lease ms. → 1 when the token owned the live claim (lease reset), else 0 */
export const RENEW = `
if redis.call('GET', KEYS[1]) == 'p:' .. ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/**
 * Ordering (one string per entity, `<prefix>version:{<entity>}`, PX = retention): the latest applied version
 * as the decimal text the receiver sent. Compared as numbers, so it never moves backwards.
 * KEYS[1] key; ARGV[1] version, ARGV[2] retention ms. → {1, version} advanced | {0, held} not advanced
 */
export const ADVANCE_VERSION = `
local held = redis.call('GET', KEYS[1])
if held and tonumber(held) >= tonumber(ARGV[1]) then
  return {0, held}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, ARGV[1]}
`;

/** KEYS[1] key. → the held version's text, or nil */
export const LATEST_VERSION = `
return redis.call('GET', KEYS[1])
`;

/** Command names registered on the client with `defineCommand` (EVALSHA, falling back to EVAL once). Versioned: a
 * future script change gets a new name, so two package versions sharing one client never swap scripts. */
export const COMMANDS = {
  claim: { name: "webhookKitClaimV1", lua: CLAIM },
  complete: { name: "webhookKitCompleteV1", lua: COMPLETE },
  release: { name: "webhookKitReleaseV1", lua: RELEASE },
  renew: { name: "webhookKitRenewV1", lua: RENEW },
  advanceVersion: { name: "webhookKitAdvanceVersionV1", lua: ADVANCE_VERSION },
  latestVersion: { name: "webhookKitLatestVersionV1", lua: LATEST_VERSION },
} as const;
