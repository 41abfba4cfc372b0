"""Sign-in with Apple, Google and WeChat: identity tokens, codes and the browser flow."""
