// Larger text for passengers who need it: every size is in rem, so one
// root font size scales the whole screen.
export const textSize = $state({
  large: false,
  toggle() {
    this.set(!this.large);
  },
  set(large: boolean) {
    this.large = large;
    document.documentElement.classList.toggle('large-text', large);
  },
});
