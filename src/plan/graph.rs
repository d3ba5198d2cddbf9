//! The service dependency graph (`depends_on`, with links and `service:` namespaces already
//! folded in by the loader).

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graphmap::DiGraphMap;

use crate::compose::model::Project;

/// One `depends_on` edge as the engine honours it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub service: String,
    /// `service_started`, `service_healthy` or `service_completed_successfully`.
    pub condition: String,
    pub required: bool,
    pub restart: bool,
}

/// Services and their dependencies, restricted to the services of the project.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    deps: BTreeMap<String, Vec<Dependency>>,
}

impl Graph {
    /// The graph of `project`'s active services (dependencies on services that are not in
    /// the project, e.g. disabled optional ones, are left out).
    pub fn of(project: &Project) -> Graph {
        let mut deps = BTreeMap::new();
        for (name, service) in &project.services {
            let mut list: Vec<Dependency> = service
                .depends_on
                .iter()
                .filter(|(dep, _)| project.services.contains_key(*dep))
                .map(|(dep, cfg)| Dependency {
                    service: dep.clone(),
                    condition: cfg.condition.clone(),
                    required: cfg.required,
                    restart: cfg.restart,
                })
                .collect();
            list.sort_by(|a, b| a.service.cmp(&b.service));
            deps.insert(name.clone(), list);
        }
        Graph { deps }
    }

    /// The services, by name.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.deps.keys().map(String::as_str)
    }

    /// What `service` depends on.
    pub fn dependencies(&self, service: &str) -> &[Dependency] {
        self.deps.get(service).map_or(&[], Vec::as_slice)
    }

    /// The services that some service of `waiting` depends on with `condition`
    /// (`service_healthy`, `service_completed_successfully`, ...).
    pub fn awaited_with<'a>(
        &self,
        condition: &str,
        waiting: impl IntoIterator<Item = &'a str>,
    ) -> BTreeSet<String> {
        waiting
            .into_iter()
            .flat_map(|w| self.dependencies(w))
            .filter(|d| d.condition == condition)
            .map(|d| d.service.clone())
            .collect()
    }

    /// The services that depend on `service` directly.
    pub fn dependents(&self, service: &str) -> Vec<&str> {
        self.deps
            .iter()
            .filter(|(_, d)| d.iter().any(|d| d.service == service))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// The services a command acts on: every service when `names` is empty, else the named
    /// ones, with everything they depend on when `with_dependencies`.
    pub fn select(&self, names: &[String], with_dependencies: bool) -> BTreeSet<String> {
        if names.is_empty() {
            self.services().map(str::to_string).collect()
        } else if with_dependencies {
            self.with_dependencies(names)
        } else {
            names.iter().cloned().collect()
        }
    }

    /// `roots` and everything they depend on, transitively.
    pub fn with_dependencies(&self, roots: &[String]) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut todo: Vec<String> = roots.to_vec();
        while let Some(s) = todo.pop() {
            if out.insert(s.clone()) {
                todo.extend(self.dependencies(&s).iter().map(|d| d.service.clone()));
            }
        }
        out
    }

    /// Each service of `within`'s rank: the length of the longest dependency chain (within
    /// `within`) that runs through it, 0 for a service that neither depends on another nor
    /// has dependents. A service of a higher rank is on a longer critical path, so `up`
    /// hands it the engine first: both ends of a chain before any independent service.
    ///
    /// A dependency never ranks below a service that depends on it (it is raised to its
    /// dependents' rank): a service waits for every higher-ranked one to be handed to the
    /// engine, and a dependent waits for its dependencies, so a dependency ranked lower than
    /// its dependent would wait for it forever (`web: depends_on: [cache, db]` with a longer
    /// chain below `db` than below `cache`).
    pub fn ranks(&self, within: &BTreeSet<String>) -> BTreeMap<String, usize> {
        let order: Vec<String> = self
            .start_order()
            .into_iter()
            .filter(|s| within.contains(s))
            .collect();
        // Depth: the longest chain of dependencies below; height: of dependents above.
        let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
        for name in &order {
            let d = self
                .dependencies(name)
                .iter()
                .filter_map(|dep| depth.get(dep.service.as_str()).map(|d| d + 1))
                .max()
                .unwrap_or(0);
            depth.insert(name.as_str(), d);
        }
        let mut height: BTreeMap<&str, usize> = order.iter().map(|n| (n.as_str(), 0)).collect();
        for name in order.iter().rev() {
            let own = height.get(name.as_str()).copied().unwrap_or(0);
            for dep in self.dependencies(name) {
                if let Some(h) = height.get_mut(dep.service.as_str()) {
                    *h = (*h).max(own + 1);
                }
            }
        }
        let mut ranks: BTreeMap<String, usize> = within
            .iter()
            .map(|s| {
                let r = depth.get(s.as_str()).copied().unwrap_or(0)
                    + height.get(s.as_str()).copied().unwrap_or(0);
                (s.clone(), r)
            })
            .collect();
        // Dependents first, so a raise reaches the whole chain below them.
        for name in order.iter().rev() {
            let own = ranks.get(name).copied().unwrap_or(0);
            for dep in self.dependencies(name) {
                if let Some(r) = ranks.get_mut(&dep.service) {
                    *r = (*r).max(own);
                }
            }
        }
        ranks
    }

    /// Services in an order where each comes after its dependencies (name order among
    /// independent ones). The loader has rejected cycles already.
    pub fn start_order(&self) -> Vec<String> {
        let mut g: DiGraphMap<&str, ()> = DiGraphMap::new();
        for (name, deps) in &self.deps {
            g.add_node(name.as_str());
            for d in deps {
                g.add_edge(d.service.as_str(), name.as_str(), ());
            }
        }
        let mut order = Vec::with_capacity(self.deps.len());
        let mut ready: BTreeSet<&str> = g
            .nodes()
            .filter(|n| g.neighbors_directed(n, petgraph::Incoming).next().is_none())
            .collect();
        let mut remaining: BTreeMap<&str, usize> = g
            .nodes()
            .map(|n| (n, g.neighbors_directed(n, petgraph::Incoming).count()))
            .collect();
        while let Some(n) = ready.pop_first() {
            order.push(n.to_string());
            for m in g.neighbors_directed(n, petgraph::Outgoing) {
                if let Some(c) = remaining.get_mut(m) {
                    *c -= 1;
                    if *c == 0 {
                        ready.insert(m);
                    }
                }
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &str)], nodes: &[&str]) -> Graph {
        let mut deps: BTreeMap<String, Vec<Dependency>> =
            nodes.iter().map(|n| (n.to_string(), Vec::new())).collect();
        for (from, to) in edges {
            deps.entry(from.to_string()).or_default().push(Dependency {
                service: to.to_string(),
                condition: "service_started".into(),
                required: true,
                restart: false,
            });
        }
        Graph { deps }
    }

    #[test]
    fn dependencies_come_first_in_start_order() {
        let g = graph(
            &[("web", "db"), ("worker", "db"), ("web", "cache")],
            &["cache", "db", "web", "worker"],
        );
        let order = g.start_order();
        let pos = |s: &str| order.iter().position(|o| o == s).unwrap();
        assert!(pos("db") < pos("web") && pos("cache") < pos("web") && pos("db") < pos("worker"));
        assert_eq!(order.len(), 4);
    }

    #[test]
    fn ranks_count_the_longest_chain_through_a_service() {
        // a <- b <- c, a <- d; e alone.
        let g = graph(
            &[("b", "a"), ("c", "b"), ("d", "a")],
            &["a", "b", "c", "d", "e"],
        );
        let all: BTreeSet<String> = g.services().map(str::to_string).collect();
        let r = g.ranks(&all);
        // The chain a <- b <- c is the longest: all three rank 2; d's chain has 2 services.
        assert_eq!((r["a"], r["b"], r["c"], r["d"], r["e"]), (2, 2, 2, 1, 0));
        // Dependents outside the targets don't count.
        let some: BTreeSet<String> = ["a", "d"].iter().map(|s| s.to_string()).collect();
        assert_eq!(g.ranks(&some)["a"], 1);
        assert_eq!(g.ranks(&some)["d"], 1);
    }

    #[test]
    fn a_dependency_never_ranks_below_its_dependent() {
        // web <- cache, web <- db <- init: cache's own chain is shorter than web's.
        let g = graph(
            &[("web", "cache"), ("web", "db"), ("db", "init")],
            &["web", "cache", "db", "init"],
        );
        let all: BTreeSet<String> = g.services().map(str::to_string).collect();
        let r = g.ranks(&all);
        assert!(r["cache"] >= r["web"], "{r:?}");
        assert_eq!((r["init"], r["db"], r["web"]), (2, 2, 2));
    }

    #[test]
    fn with_dependencies_is_transitive() {
        let g = graph(&[("a", "b"), ("b", "c")], &["a", "b", "c", "d"]);
        let set = g.with_dependencies(&["a".into()]);
        assert_eq!(set.into_iter().collect::<Vec<_>>(), vec!["a", "b", "c"]);
        assert_eq!(g.dependents("c"), vec!["b"]);
    }
}
