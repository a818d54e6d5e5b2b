import { SettingsNav } from "@/components/settings-nav";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import { requireSession, roleAtLeast } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { RevokeButton, TokenForm } from "./token-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Settings" };

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  workspaces: string[] | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export default async function SettingsPage() {
  const session = await requireSession();
  const isAdmin = roleAtLeast(session.role, "admin");
  // Tokens are visible to admins only (RLS); others get the note below, not an empty list.
  const { tokens, workspaces } = isAdmin
    ? await asUser(session.claims, async (tx) => ({
        tokens: await tx<TokenRow[]>`
          select t.id, t.name, t.prefix, t.scopes, t.created_at as "createdAt", t.revoked_at as "revokedAt", t.last_used_at as "lastUsedAt",
                 case when t.workspace_ids is null then null else
                   (select coalesce(array_agg(w.slug order by w.slug), '{}') from public.workspaces w where w.id = any (t.workspace_ids)) end as workspaces
          from public.ingest_tokens t
          order by t.revoked_at is not null, t.created_at desc`,
        workspaces: await tx<{ id: string; slug: string; name: string }[]>`select id, slug, name from public.workspaces order by is_canary desc, name`,
      }))
    : { tokens: [], workspaces: [] };

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <h1 className="text-xl font-semibold text-slate-900">Settings</h1>
      <SettingsNav current="/settings" />
      {!isAdmin ? (
        <Card>
          <CardBody>
            <p className="text-sm text-slate-600" data-testid="tokens-read-only">
              Ingest tokens let your services send metrics and feedback and read workspace state. Only admins can see, create and
              revoke them; ask an admin if a service needs one.
            </p>
          </CardBody>
        </Card>
      ) : (
        <>
          <Card>
            <CardHeader title="New ingest token" description="Shown once when created, stored only as a hash. Scope it to the workspaces a service reports for." />
            <CardBody>
              <TokenForm workspaces={workspaces} />
            </CardBody>
          </Card>
          <Card>
            <CardHeader title={`Ingest tokens (${tokens.filter((t) => !t.revokedAt).length} active)`} description="Revoking takes effect on the very next request." />
            {tokens.length === 0 ? (
              <EmptyState title="No tokens yet">Create one above, then send samples with it (see the workspace page for a curl).</EmptyState>
            ) : (
              <Table>
                <thead>
                  <tr><Th>Name</Th><Th>Token</Th><Th>Scopes</Th><Th>Workspaces</Th><Th>Created</Th><Th>Last used</Th><Th><span className="sr-only">Actions</span></Th></tr>
                </thead>
                <tbody className="divide-y divide-slate-100 bg-white">
                  {tokens.map((t) => (
                    <tr key={t.id} className={t.revokedAt ? "text-slate-500" : undefined} data-testid="token-row">
                      <Td className="font-medium text-slate-900">{t.name}</Td>
                      <Td><code className="font-mono text-xs">{t.prefix}…</code></Td>
                      <Td><div className="flex flex-wrap gap-1">{t.scopes.map((s) => <Badge key={s}>{s}</Badge>)}</div></Td>
                      <Td className="max-w-xs text-xs">{t.workspaces === null ? <span className="text-slate-500">all workspaces</span> : t.workspaces.join(", ")}</Td>
                      <Td className="text-xs"><RelativeTime date={t.createdAt} /></Td>
                      <Td className="text-xs">{t.lastUsedAt ? <RelativeTime date={t.lastUsedAt} /> : <span className="text-slate-500">never</span>}</Td>
                      <Td className="text-right">
                        {t.revokedAt ? <Badge tone="red">revoked <RelativeTime date={t.revokedAt} /></Badge> : <RevokeButton id={t.id} name={t.name} />}
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
