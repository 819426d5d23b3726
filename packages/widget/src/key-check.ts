// The pure-JavaScript key check, from the crypto package's libsodium-free entry point, so that the
// initial chunk never pulls in libsodium or zod (the build test checks the chunk's contents).
export { checkCampaignKeyString } from '@secure-sign/crypto/key-string';
