export {}

declare global {
  interface Window {
    dashi?: { platform: string }
  }
}
