import "server-only";
import { log } from "../observability/logger.ts";
import { notifyTenantContentChanged } from "../tenancy/invalidation.server.ts";
import { platform } from "./platform.server.ts";

/**
 * Tells every web server that what `tenantId`'s portal shows has changed, so their page caches
 * drop its pages (decision 054). Called after every tenant action and by the few pages that
 * change data on a GET (a guest's confirmation link). A notice that cannot be sent is logged; the
 * page cache's time to live bounds the rest.
 */
export async function tellPageCaches(tenantId: string): Promise<void> {
  try {
    await notifyTenantContentChanged(platform().control, tenantId);
  } catch (error) {
    log().error({ err: error, tenantId }, "the page caches could not be told of a content change");
  }
}
