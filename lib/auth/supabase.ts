import "server-only";
import { createServerClient } from "@supabase/ssr";
import { cookies } from "next/headers";

// Created per request, never kept in a global: it carries this request's cookies.
export async function supabaseServerClient() {
  const store = await cookies();
  return createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
    cookies: {
      getAll: () => store.getAll(),
      setAll: (list) => {
        try {
          for (const { name, value, options } of list) store.set(name, value, options);
        } catch {
          // Called from a server component: the proxy refreshes the cookies instead.
        }
      },
    },
  });
}
