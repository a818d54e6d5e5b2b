import { SettingsNav } from "@/components/settings-nav";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import { requireSession, roleAtLeast } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { ChannelRowActions, NewChannelForm } from "./channel-forms";

export const dynamic = "force-dynamic";
export const metadata = { title: "Notifications" };

interface Channel { id: string; name: string; kind: string; url: string; events: string[]; enabled: boolean; signed: boolean }
interface Delivery { id: string; event: string; status: "pending" | "delivered" | "failed"; attempts: number; lastError: string | null; lastStatus: number | null; createdAt: string; deliveredAt: string | null; channel: string }

export default async function NotificationSettingsPage() {
  const session = await requireSession();
  const isAdmin = roleAtLeast(session.role, "admin");
  const canSeeLog = roleAtLeast(session.role, "operator");
  const { channels, deliveries, counts } = await asUser(session.claims, async (tx) => ({
    channels: await tx<Channel[]>`select id, name, kind, url, events, enabled, secret is not null as signed from public.notification_channels order by created_at`,
    deliveries: await tx<Delivery[]>`
      select d.id::text, d.event, d.status, d.attempts, d.last_error as "lastError", d.last_status as "lastStatus",
             d.created_at as "createdAt", d.delivered_at as "deliveredAt", c.name as channel
      from public.notification_deliveries d join public.notification_channels c on c.id = d.channel_id
      order by d.created_at desc limit 100`,
    counts: await tx<{ status: string; n: number }[]>`select status, count(*)::int as n from public.notification_deliveries group by status`,
  }));
  const count = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <h1 className="text-xl font-semibold text-slate-900">Settings</h1>
      <SettingsNav current="/settings/notifications" />
      <Card>
        <CardHeader title="Channels" description="Slack-compatible incoming webhooks and generic JSON webhooks signed with HMAC-SHA256. Written in the same transaction as the change they report; delivered at least once with exponential backoff." />
        {!isAdmin ? (
          <CardBody><p className="text-sm text-slate-500">Only admins can see and change notification channels.</p></CardBody>
        ) : (
          <>
            {channels.length === 0 ? <EmptyState title="No channels yet">Add one below to hear about stage changes, waves, stops, alerts and automatic rollbacks.</EmptyState> : (
              <Table>
                <thead><tr><Th>Channel</Th><Th>Events</Th><Th>State</Th><Th>&nbsp;</Th></tr></thead>
                <tbody className="divide-y divide-slate-100">
                  {channels.map((c) => (
                    <tr key={c.id}>
                      <Td><p className="font-medium text-slate-900">{c.name}</p><p className="max-w-sm truncate font-mono text-xs text-slate-500">{c.kind} · {c.url}</p></Td>
                      <Td className="text-xs text-slate-600">{c.events.map((e) => e.replace(/_/g, " ")).join(", ")}</Td>
                      <Td>{c.enabled ? <Badge tone="green">enabled</Badge> : <Badge>disabled</Badge>} {c.signed ? <Badge tone="blue">signed</Badge> : null}</Td>
                      <Td><ChannelRowActions id={c.id} enabled={c.enabled} /></Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
            <CardBody className="border-t border-slate-100"><NewChannelForm /></CardBody>
          </>
        )}
      </Card>
      <Card>
        <CardHeader title="Delivery log" description={`Outbox status: ${count("pending")} pending · ${count("delivered")} delivered · ${count("failed")} failed`} />
        {!canSeeLog ? <CardBody><p className="text-sm text-slate-500">Operators and admins see the delivery log.</p></CardBody> : deliveries.length === 0 ? (
          <EmptyState title="Nothing sent yet" />
        ) : (
          <Table>
            <thead><tr><Th>Event</Th><Th>Channel</Th><Th>Status</Th><Th>Attempts</Th><Th>Last error</Th><Th>Created</Th></tr></thead>
            <tbody className="divide-y divide-slate-100">
              {deliveries.map((d) => (
                <tr key={d.id} data-testid="delivery-row">
                  <Td className="font-mono text-xs">{d.event}</Td>
                  <Td className="text-xs">{d.channel}</Td>
                  <Td><Badge tone={d.status === "delivered" ? "green" : d.status === "failed" ? "red" : "amber"}>{d.status}</Badge></Td>
                  <Td className="text-xs">{d.attempts}</Td>
                  <Td className="max-w-xs truncate text-xs text-rose-700" title={d.lastError ?? undefined}>{d.lastError ?? ""}</Td>
                  <Td className="text-xs text-slate-500"><RelativeTime date={d.createdAt} /></Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}
