/* Linked structures: a singly linked list (insert sorted, reverse, remove) and a binary
 * search tree (insert, find, in-order walk, height, delete), nodes from a static pool. */
#include "guest.h"

struct node {
  struct node *next;
  int value;
};

struct tree {
  struct tree *left, *right;
  uint32_t key;
  uint32_t count;
};

static struct node node_pool[200];
static unsigned nodes_used;
static struct tree tree_pool[300];
static unsigned trees_used;

static struct node *insert_sorted(struct node *head, int value) {
  struct node *fresh = &node_pool[nodes_used++];
  fresh->value = value;
  struct node **link = &head;
  while (*link && (*link)->value < value) link = &(*link)->next;
  fresh->next = *link;
  *link = fresh;
  return head;
}

static struct node *reverse(struct node *head) {
  struct node *done = 0;
  while (head) {
    struct node *next = head->next;
    head->next = done;
    done = head;
    head = next;
  }
  return done;
}

static struct node *remove_value(struct node *head, int value) {
  for (struct node **link = &head; *link; link = &(*link)->next)
    if ((*link)->value == value) {
      *link = (*link)->next;
      break;
    }
  return head;
}

static unsigned length(const struct node *head) {
  unsigned n = 0;
  for (; head; head = head->next) n++;
  return n;
}

static struct tree *tree_insert(struct tree *root, uint32_t key) {
  if (!root) {
    struct tree *fresh = &tree_pool[trees_used++];
    fresh->left = fresh->right = 0;
    fresh->key = key;
    fresh->count = 1;
    return fresh;
  }
  if (key < root->key) root->left = tree_insert(root->left, key);
  else if (key > root->key) root->right = tree_insert(root->right, key);
  else root->count++;
  return root;
}

static const struct tree *tree_find(const struct tree *root, uint32_t key) {
  while (root && root->key != key) root = key < root->key ? root->left : root->right;
  return root;
}

static struct tree *tree_delete(struct tree *root, uint32_t key) {
  if (!root) return 0;
  if (key < root->key) root->left = tree_delete(root->left, key);
  else if (key > root->key) root->right = tree_delete(root->right, key);
  else if (!root->left) return root->right;
  else if (!root->right) return root->left;
  else {
    struct tree *successor = root->right;
    while (successor->left) successor = successor->left;
    root->key = successor->key;
    root->count = successor->count;
    root->right = tree_delete(root->right, successor->key);
  }
  return root;
}

static unsigned height(const struct tree *root) {
  if (!root) return 0;
  unsigned l = height(root->left), r = height(root->right);
  return 1 + (l > r ? l : r);
}

static uint32_t walk_last;
static int walk_sorted;
static uint32_t walk_total;

static void walk(const struct tree *root) {
  if (!root) return;
  walk(root->left);
  if (root->key <= walk_last && walk_total) walk_sorted = 0;
  walk_last = root->key;
  walk_total += root->count;
  walk(root->right);
}

int main(void) {
  struct node *list = 0;
  uint32_t seed = 99;
  for (int i = 0; i < 150; i++) {
    seed = seed * 1103515245u + 12345u;
    list = insert_sorted(list, (int)(seed >> 16) % 200 - 100);
  }
  CHECK_EQ(length(list), 150);
  for (const struct node *n = list; n->next; n = n->next) CHECK(n->value <= n->next->value);
  list = reverse(list);
  for (const struct node *n = list; n->next; n = n->next) CHECK(n->value >= n->next->value);
  int first = list->value, second = list->next->value;
  list = remove_value(list, first);
  CHECK_EQ(list->value, second);
  CHECK_EQ(length(list), 149);
  list = remove_value(list, 1000);
  CHECK_EQ(length(list), 149);

  struct tree *root = 0;
  for (int i = 0; i < 400; i++) {
    seed = seed * 1103515245u + 12345u;
    root = tree_insert(root, (seed >> 16) % 257);
  }
  CHECK(trees_used <= 257);
  walk_sorted = 1;
  walk(root);
  CHECK(walk_sorted);
  CHECK_EQ(walk_total, 400);
  CHECK(height(root) >= 9 && height(root) < 40);
  uint32_t key = root->left ? root->left->key : root->key;
  CHECK(tree_find(root, key) != 0);
  uint32_t removed = tree_find(root, key)->count;
  root = tree_delete(root, key);
  CHECK(tree_find(root, key) == 0);
  walk_last = 0;
  walk_total = 0;
  walk_sorted = 1;
  walk(root);
  CHECK(walk_sorted);
  CHECK_EQ(walk_total, 400 - removed);
  CHECK(tree_find(root, 300) == 0);
  PASS();
}
