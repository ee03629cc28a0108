import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { applyTheme } from './composables/useTheme'
import { createAppRouter } from './router'
import { usePrefsStore } from './stores/prefs'
import './styles/main.css'

const pinia = createPinia()
const app = createApp(App)
app.use(pinia)
// The theme first, so that the first paint is already in the right colours.
applyTheme(usePrefsStore(pinia))
app.use(createAppRouter(pinia))
app.mount('#app')
