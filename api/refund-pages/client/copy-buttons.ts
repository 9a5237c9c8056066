/** Copy buttons: `<button data-copy="<id>">` copies the text of the element with that id and says so for a moment. */
export function wireCopyButtons(root: ParentNode = document): void {
  for (const button of Array.from(root.querySelectorAll<HTMLButtonElement>("button[data-copy]"))) {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy!)?.textContent ?? "";
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch {
        // No clipboard permission (an http page, an old browser): select the text so the person can copy it.
        const target = document.getElementById(button.dataset.copy!);
        if (target) window.getSelection()?.selectAllChildren(target);
        button.textContent = "Selected: press Ctrl+C";
      }
      setTimeout(() => (button.textContent = "Copy"), 2_000);
    });
  }
}
