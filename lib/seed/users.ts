// Creates a user in auth.users the way the Supabase auth service's table requires
// (no default id or created_at; e-mail unique only among non-SSO users), so the
// seed and the tests work unchanged on a real Supabase project. An existing user
// with that e-mail gets the new password instead of a second row.
import type postgres from "postgres";

type Sql = postgres.Sql<Record<string, unknown>> | postgres.TransactionSql<Record<string, unknown>>;

export async function upsertAuthUser(sql: Sql, user: { email: string; encryptedPassword: string; name?: string }): Promise<string> {
  const [existing] = await sql<{ id: string }[]>`
    update auth.users set encrypted_password = ${user.encryptedPassword}, updated_at = now()
     where lower(email) = lower(${user.email}) returning id`;
  if (existing) return existing.id;
  const [created] = await sql<{ id: string }[]>`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                            raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
            ${user.email}, ${user.encryptedPassword}, now(),
            ${sql.json({ provider: "email", providers: ["email"] })}, ${sql.json(user.name ? { name: user.name } : {})},
            now(), now())
    returning id`;
  return created.id;
}
