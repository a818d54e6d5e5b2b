export function contentSecurityPolicy(opts: { dev: boolean; nonce: string }): string;
export const STATIC_CSP: string;
export function securityHeaders(): { key: string; value: string }[];
