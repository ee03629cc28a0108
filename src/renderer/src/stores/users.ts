import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AdminUser, CreateUserInput, Role } from '../../../shared/api/types'
import { errorText, useApi } from '../composables/useApi'

/** The accounts of the server, for admins: list, create, change role, delete. */
export const useUsersStore = defineStore('users', () => {
  const list = ref<AdminUser[]>([])
  const count = ref(0)
  const loading = ref(false)
  const saving = ref(false)
  const error = ref<string | null>(null)

  async function fetchList(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const page = await useApi().listUsers({ pageSize: 1000 })
      list.value = page.data
      count.value = page.count
    } catch (e) {
      error.value = errorText(e)
    } finally {
      loading.value = false
    }
  }

  async function change(action: () => Promise<unknown>): Promise<boolean> {
    saving.value = true
    error.value = null
    try {
      await action()
      return true
    } catch (e) {
      error.value = errorText(e)
      return false
    } finally {
      saving.value = false
    }
  }

  // After each change the list is read again: it carries counts (websites) the change may have moved.
  const create = (input: CreateUserInput) => change(async () => {
    await useApi().createUser({ ...input, username: input.username.trim() })
    await fetchList()
  })

  const setRole = (userId: string, role: Role) => change(async () => {
    await useApi().updateUser(userId, { role })
    await fetchList()
  })

  const remove = (userId: string) => change(async () => {
    await useApi().deleteUser(userId)
    await fetchList()
  })

  return { list, count, loading, saving, error, fetchList, create, setRole, remove }
})
