import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, data } from '../api/api-client';

export const MY_SUBMISSIONS_PAGE = 10;

/**
 * The signed-in contributor's submissions to one Datanet, newest first, as the server keeps them
 * (GET /v1/contributors/{address}/submissions: private to the address itself), so they follow the
 * person to any browser. Read again while any is still waiting for intake.
 */
export function useMySubmissions(address: string, datanet: string, page: number) {
  return useQuery({
    queryKey: ['my-submissions', address.toLowerCase(), datanet, page],
    enabled: Boolean(address && datanet),
    queryFn: () =>
      data(
        api.GET('/v1/contributors/{address}/submissions', {
          params: { path: { address }, query: { datanet, page, pageSize: MY_SUBMISSIONS_PAGE } },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((s) => s.status === 'received') ? 3000 : false),
  });
}
