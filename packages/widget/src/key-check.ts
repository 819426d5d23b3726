// The pure-JavaScript key check, imported on its own so that the initial chunk never pulls in
// libsodium or zod (the bundle test checks the chunk's contents).
export { checkCampaignKeyString } from '@secure-sign/crypto';
