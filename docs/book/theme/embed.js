// Sizes each embedded lab to its content: a lab tells its page how tall it is with a message
// {type: "netsplit:height", height}. Other messages are ignored.
window.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || data.type !== 'netsplit:height' || typeof data.height !== 'number') return;
  for (const frame of document.querySelectorAll('iframe.netsplit')) {
    if (frame.contentWindow === event.source) {
      frame.style.height = Math.min(Math.max(data.height, 200), 2000) + 'px';
    }
  }
});
