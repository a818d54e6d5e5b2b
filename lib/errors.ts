// An error whose message is written for the person who caused it (shown as is);
// anything else is logged and hidden behind a generic message.
export class ExpectedError extends Error {}
