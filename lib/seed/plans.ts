// The two demo migration plans, from the field notes: seed 001's lead-centric
// CRM migration (stages 0-4) and seed 004's AI-pipeline cutover.
export interface StageDef {
  key: string;
  name: string;
  description: string;
  minSoakMinutes: number;
  minSamples: number;
  maxErrorRate: number | null;
  maxP95Ratio: number | null;
  maxOpenCriticalAlerts: number | null;
  maxNegativeFeedback: number | null;
}

export interface PlanDef {
  key: string;
  name: string;
  description: string;
  stages: StageDef[];
}

const noGate = { minSoakMinutes: 0, minSamples: 0, maxErrorRate: null, maxP95Ratio: null, maxOpenCriticalAlerts: null, maxNegativeFeedback: null };

export const DEMO_PLANS: PlanDef[] = [
  {
    key: "lead-centric",
    name: "Lead-centric CRM",
    description: "Move workspaces from contact-centric records to leads: dual write first, then the new UI, then many leads per contact.",
    stages: [
      { key: "existing-only", name: "Existing only", description: "Contacts as today; no lead records are written.", ...noGate },
      // Entering the first stage cannot be judged on the new variant (it has no traffic yet).
      { key: "dual-write", name: "Dual write", description: "Creating a contact also creates a lead; the UI is unchanged. Verify counts match.", minSoakMinutes: 0, minSamples: 0, maxErrorRate: null, maxP95Ratio: null, maxOpenCriticalAlerts: 0, maxNegativeFeedback: null },
      { key: "lead-ui", name: "Lead tracking UI", description: "The lead tracking screens are visible; contacts remain the source of truth.", minSoakMinutes: 24 * 60, minSamples: 500, maxErrorRate: 0.01, maxP95Ratio: 1.2, maxOpenCriticalAlerts: 0, maxNegativeFeedback: 3 },
      { key: "multi-lead", name: "Multiple leads per contact", description: "A contact may own several leads; reports read from leads.", minSoakMinutes: 48 * 60, minSamples: 1000, maxErrorRate: 0.01, maxP95Ratio: 1.2, maxOpenCriticalAlerts: 0, maxNegativeFeedback: 3 },
      { key: "full", name: "Full lead-centric", description: "The lead-centric experience everywhere; the old contact views are retired.", minSoakMinutes: 72 * 60, minSamples: 2000, maxErrorRate: 0.005, maxP95Ratio: 1.1, maxOpenCriticalAlerts: 0, maxNegativeFeedback: 2 },
    ],
  },
  {
    key: "ai-pipeline",
    name: "AI pipeline v2",
    description: "Replace the enrichment pipeline with the new model chain: shadow first, then 10 %, 50 % and 100 % of traffic.",
    stages: [
      { key: "old-only", name: "Old pipeline only", description: "All requests go to the current pipeline.", ...noGate },
      { key: "shadow", name: "Shadow mode", description: "The new pipeline runs on a copy of traffic; its answers are logged and compared, never shown.", minSoakMinutes: 0, minSamples: 0, maxErrorRate: null, maxP95Ratio: null, maxOpenCriticalAlerts: 0, maxNegativeFeedback: null },
      { key: "pct-10", name: "10 % traffic", description: "One request in ten is answered by the new pipeline (hashed by user).", minSoakMinutes: 24 * 60, minSamples: 500, maxErrorRate: 0.01, maxP95Ratio: 1.2, maxOpenCriticalAlerts: 0, maxNegativeFeedback: 3 },
      { key: "pct-50", name: "50 % traffic", description: "Half of the requests use the new pipeline.", minSoakMinutes: 48 * 60, minSamples: 1000, maxErrorRate: 0.01, maxP95Ratio: 1.2, maxOpenCriticalAlerts: 0, maxNegativeFeedback: 3 },
      { key: "full", name: "100 % new pipeline", description: "Every request uses the new pipeline; the old one stays warm for rollback.", minSoakMinutes: 48 * 60, minSamples: 2000, maxErrorRate: 0.01, maxP95Ratio: 1.1, maxOpenCriticalAlerts: 0, maxNegativeFeedback: 2 },
    ],
  },
];

export const DEMO_PASSWORD = "rollout-demo-2026";
export const DEMO_USERS = [
  { email: "admin@example.com", role: "admin", name: "Ada Admin" },
  { email: "operator@example.com", role: "operator", name: "Omar Operator (product owner)" },
  { email: "viewer@example.com", role: "viewer", name: "Vera Viewer (tech lead)" },
] as const;

export const DEMO_WORKSPACES: { slug: string; name: string; tier: "free" | "standard" | "pro" | "enterprise"; canary?: boolean }[] = [
  { slug: "acme-internal", name: "Acme Internal", tier: "enterprise", canary: true },
  { slug: "beta-bakery", name: "Beta Bakery Co.", tier: "standard", canary: true },
  { slug: "canary-labs", name: "Canary Labs", tier: "pro", canary: true },
  { slug: "northwind", name: "Northwind Traders", tier: "enterprise" },
  { slug: "globex", name: "Globex Corporation", tier: "enterprise" },
  { slug: "initech", name: "Initech", tier: "pro" },
  { slug: "umbrella-health", name: "Umbrella Health", tier: "enterprise" },
  { slug: "stark-logistics", name: "Stark Logistics", tier: "pro" },
  { slug: "wayne-realty", name: "Wayne Realty", tier: "pro" },
  { slug: "hooli", name: "Hooli", tier: "enterprise" },
  { slug: "pied-piper", name: "Pied Piper", tier: "standard" },
  { slug: "vandelay-imports", name: "Vandelay Imports", tier: "standard" },
  { slug: "soylent-foods", name: "Soylent Foods", tier: "pro" },
  { slug: "tyrell-systems", name: "Tyrell Systems", tier: "enterprise" },
  { slug: "oceanic-air", name: "Oceanic Air", tier: "pro" },
  { slug: "blue-sun", name: "Blue Sun Retail", tier: "standard" },
  { slug: "cyberdyne", name: "Cyberdyne Analytics", tier: "pro" },
  { slug: "duff-brewing", name: "Duff Brewing", tier: "standard" },
  { slug: "gringotts", name: "Gringotts Lending", tier: "enterprise" },
  { slug: "monarch-dental", name: "Monarch Dental", tier: "free" },
  { slug: "sterling-cooper", name: "Sterling Cooper Agency", tier: "standard" },
  { slug: "dunder-paper", name: "Dunder Paper", tier: "standard" },
  { slug: "los-pollos", name: "Los Pollos Kitchens", tier: "free" },
  { slug: "massive-dynamic", name: "Massive Dynamic", tier: "enterprise" },
];
