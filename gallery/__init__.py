"""The online gallery (`[gallery] enabled`): the wall's approved, online-consented photos on
a public page (`/galerie`), an embeddable version for the office's website
(`/galerie/embed`), a paged JSON API and a live socket fed by the wall's event bus."""
