import { describe, expect, it } from '@jest/globals';
import { armOperation } from './call-counter.js';

const SERVER = 'https://management.azure.com/subscriptions/0000/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/default-a';

describe('armOperation', () => {
  it('names the resource type a request is about, never the resource', () => {
    expect(armOperation('GET', `${SERVER}?api-version=2025-08-01`)).toBe('GET flexibleServers');
    expect(armOperation('patch', SERVER)).toBe('PATCH flexibleServers');
    expect(armOperation('GET', `${SERVER}/firewallRules?api-version=2025-08-01`)).toBe('GET firewallRules');
    expect(armOperation('PUT', `${SERVER}/firewallRules/office`)).toBe('PUT firewallRules');
    expect(armOperation('GET', `${SERVER}/configurations`)).toBe('GET configurations');
    expect(armOperation('POST', `${SERVER}/restart`)).toBe('POST restart');
    expect(armOperation('GET', `${SERVER}/providers/Microsoft.Authorization/locks/delete-lock`)).toBe('GET locks');
    expect(armOperation('GET', 'https://management.azure.com/subscriptions/0000/providers/Microsoft.DBforPostgreSQL/locations/westeurope/azureAsyncOperation/abc?api-version=x'))
      .toBe('GET azureAsyncOperation');
  });
});
