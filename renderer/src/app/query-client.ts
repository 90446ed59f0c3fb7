import { QueryClient } from '@tanstack/react-query';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Engine state is kept fresh by /events (app/live-updates.ts), not by polling or refocusing.
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      retry: (count, err) => count < 1 && (err as { code?: string }).code !== 'invalid-argument',
    },
  },
});
