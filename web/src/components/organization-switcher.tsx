/** UI.md: a combobox "Organization", shown when the person belongs to several; each option names and ids it. */
import { useApp } from "../app-context.ts";

export function OrganizationSwitcher() {
  const { t, me, organization, setOrganization } = useApp();
  if (me.organizations.length < 2 || !organization) return null;
  return (
    <div class="field inline">
      <label for="organization">{t.organization}</label>
      <select id="organization" value={organization.orgId} onChange={(event) => setOrganization(event.currentTarget.value)}>
        {me.organizations.map((org) => (
          <option key={org.orgId} value={org.orgId}>
            {t.organizationOption(org.name, org.orgId)}
          </option>
        ))}
      </select>
    </div>
  );
}
