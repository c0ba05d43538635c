/**
 * Activity (UI.md): newest first, when, who (the name recorded at the time), what in words, and why for the
 * System's entries. Long logs page with "Load more".
 */
import { useRef } from "preact/hooks";
import type { ActivityEvent, Organization } from "../../api/client.ts";
import { errorWords } from "../../api/error-words.ts";
import { useApp } from "../../app-context.ts";
import { ErrorAlert } from "../../components/alert.tsx";
import { activityWhat, activityWhy } from "./activity-words.ts";
import { LoadMore } from "./load-more.tsx";
import { usePagedList } from "./use-paged-list.ts";

export function ActivityPanel({ organization }: { organization: Organization }) {
  const { t, api, format, now } = useApp();
  const orgId = organization.orgId;
  const list = usePagedList<ActivityEvent>(
    async (paging) => {
      const page = await api.listActivity(orgId, paging);
      return { items: page.events, nextCursor: page.nextCursor };
    },
    (failure) => errorWords(failure, { t, format, now: now(), scope: "admin" }),
    orgId,
  );
  const table = useRef<HTMLTableElement>(null);
  const current = now();

  return (
    <>
      <p class="intro">{t.activityIntro}</p>
      {list.loading && !list.error && <p>{t.loading}</p>}
      <ErrorAlert message={list.error} />
      {!list.loading && !list.error && list.items.length === 0 && <p class="empty">{t.noActivity}</p>}
      {list.items.length > 0 && (
        <table class="tokens activity" ref={table} tabIndex={-1}>
          <caption class="visually-hidden">{t.activityCaption}</caption>
          <thead>
            <tr>
              <th scope="col">{t.columnWhen}</th>
              <th scope="col">{t.columnWho}</th>
              <th scope="col">{t.columnWhat}</th>
              <th scope="col">{t.columnWhy}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((event, index) => {
              const why = activityWhy(event, t);
              return (
                // Entries have no id of their own; the list only grows at its end, so the position is stable.
                <tr key={index}>
                  <th scope="row" class="when">
                    <time dateTime={event.at} title={format.dateTime(event.at)}>
                      {format.ago(new Date(event.at), current)}
                    </time>
                  </th>
                  <td data-label={t.columnWho} class="wrap">
                    {event.actor.type === "system" ? t.system : event.actor.name}
                  </td>
                  <td data-label={t.columnWhat} class="wrap">
                    {activityWhat(event, t)}
                  </td>
                  <td data-label={t.columnWhy} class="wrap">
                    {why}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <LoadMore list={list} afterLast={table} />
    </>
  );
}
